"""What training the model takes besides MNIST and the generators (`recognizer.synth`): the
extra training images, the starting weights and teachers, calibration, the model's files,
the run's pictures. Used by `train_mnist.py`; nothing here runs at inference."""
