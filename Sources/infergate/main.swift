print("infergate")
