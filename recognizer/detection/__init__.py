"""Finding digits on paper in a frame: `detector.find_digits` / `read_digits` run the stages
(`ink` threshold, `blobs`, `filters`, `merging`, `polarity`, `order`) and return
`results.Detections`; `tracking` steadies them across frames and `annotate` draws them.
A new detector stage is a module here, called from `detector`."""
