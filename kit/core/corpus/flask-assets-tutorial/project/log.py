        logger.add(
            "./logs/error.log",
