import os
import sys

from django.core.management import execute_from_command_line

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_config.settings.development")
execute_from_command_line(sys.argv)
