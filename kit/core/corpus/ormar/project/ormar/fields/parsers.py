    import orjson as json
