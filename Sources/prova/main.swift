print("prova")
