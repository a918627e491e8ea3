from piccolo.table import Table
