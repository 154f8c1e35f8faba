"""Data the project makes itself, seeded: what is not a digit (`negatives`) and the digit
styles MNIST under-represents (`styles`), as 28x28 patches through the app's own paths.
Used by `train_mnist.py --reject` and by the benchmarks; nothing is downloaded."""
