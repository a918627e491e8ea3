    import redis.exceptions as redis_exceptions
