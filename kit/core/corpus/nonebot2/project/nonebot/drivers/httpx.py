    import httpx
