SHAPE = "path dependencies"
