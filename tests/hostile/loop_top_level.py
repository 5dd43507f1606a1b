"""An infinite loop at the top level of the answer cell."""
while True:
    pass
