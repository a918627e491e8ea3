    import cbor2
