    import uvloop
    from watchdog.observers import Observer
