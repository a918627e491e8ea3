"""The maintainers' release script: prod never runs it."""

if __name__ == "__main__":
    print("tag and push")
