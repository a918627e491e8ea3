SHAPE = "namespace-package-over-two-folders"
