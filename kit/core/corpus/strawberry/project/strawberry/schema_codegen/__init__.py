import libcst as cst
