    from websockets import ClientConnection, ConnectionClosed, connect
