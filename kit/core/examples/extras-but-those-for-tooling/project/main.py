import tomlkit
