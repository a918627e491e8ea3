from git.repo import Repo
