GREETING = "hello from"
