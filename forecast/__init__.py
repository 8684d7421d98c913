"""The go-live forecast: when each open gate and go-live will really be reached, from the
engagement's own pace and its dependency critical path, with a range and the reasons."""
