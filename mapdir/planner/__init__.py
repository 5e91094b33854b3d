"""Planning core: coverage, stop optimisation (MCLP, set covering), territory ranking, rotas."""
