    import pysnooper
