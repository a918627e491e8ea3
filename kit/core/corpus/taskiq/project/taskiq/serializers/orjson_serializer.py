    import orjson
