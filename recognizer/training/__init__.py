"""What training the model takes besides the data (`recognizer.synth`): calibration, the
model's files, the run's pictures. Used by `train_mnist.py`; nothing here runs at inference."""
