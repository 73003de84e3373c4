"""Baselines (YOLOv6-3.0, v8, v9, v10, 11, Ultralytics' YOLO12, RT-DETR) as a thin adapter over the installed
ultralytics package. The parent process never imports ultralytics: it sends jobs to `python -m baselines.worker`
through `baselines.client`."""
