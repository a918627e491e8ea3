from texts import GREETING

if __name__ == '__main__':
    print(GREETING)
