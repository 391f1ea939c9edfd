"""The ways in to UnionFlow: parse input, call the services of the composition root, render."""
