"""Channel-major area attention (our ONNX export's form) computes what the backends compute, for v1.0's interleaved
qkv and turbo's split projections, with and without areas, and it is what our ONNX file runs."""

import pytest
import torch

import yolov12


@pytest.mark.parametrize("name", ["yolov12-n", "yolov12-turbo-n"])
def test_channel_major_attention_equals_the_backend(name):
    model = yolov12.create_model(name).eval()
    gen = torch.Generator().manual_seed(0)
    for module in model.attention_modules():
        for p in module.parameters():
            p.data.copy_(torch.randn(p.shape, generator=gen) * 0.3)  # peaked attention, not a near-uniform average
    areas = set()
    for module in model.attention_modules():
        areas.add(module.area)
        x = torch.randn(2, module.heads * 32, 8, 12, generator=gen)
        with torch.no_grad():
            token_major = module(x)
            module.channel_major = True
            channel_major = module(x)
            module.channel_major = False
        scale = token_major.abs().max().item()
        assert torch.allclose(token_major, channel_major, rtol=1e-5, atol=1e-5 * scale), (name, module.area)
    assert areas == {1, 4}
    with torch.no_grad():
        x = torch.rand(1, 3, 64, 96)
        before = model(x)
        after = model.channel_major_attention()(x)
    assert all(m.channel_major for m in model.attention_modules())
    assert torch.allclose(before, after, rtol=1e-4, atol=1e-4 * before.abs().max().item())


def test_channel_major_is_for_nchw_maps_only():
    """Channels_last maps (the CPU inference layout) are token-major already: they keep the backend's path; NCHW
    maps take the channel-major one, and the kernel record says which ran."""
    model = yolov12.create_model("yolov12-n").eval().channel_major_attention()
    module = model.attention_modules()[0]
    x = torch.randn(1, module.heads * 32, 8, 8)
    module.record = []
    with torch.no_grad():
        module(x.contiguous(memory_format=torch.channels_last))
        module(x)
    assert module.record[0] != "reference-channel-major" and module.record[1] == "reference-channel-major"
    module.record = None
