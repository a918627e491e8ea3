            from poetry.utils.env import EnvManager
