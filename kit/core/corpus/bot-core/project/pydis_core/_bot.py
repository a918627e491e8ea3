    from async_rediscache import RedisSession
