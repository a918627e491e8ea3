#!/bin/sh
set -e
python -m inventory.seed
exec "$@"
