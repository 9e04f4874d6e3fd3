"""Services: the jobs the faces (CLI, UDFs, ribbon macros) call, built from core and io."""
