"""Solving: the one module that talks to HiGHS (`highs`), objective strategies sharing one
time budget (`strategies`), and the value of the stochastic solution (`stochastic`)."""
