print("wallaroo-standin")
