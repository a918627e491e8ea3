    import msgpack
