"""The GPU path's seams, run where there is no GPU: frames that stay a torch tensor (as the `nvdec` decoder leaves them
on a GPU) flow through `predict` to the same answers; asking for a GPU that is not there is one line, not a traceback;
the default decoders on a CPU machine are the CPU's."""
import shutil
import numpy as np
import pytest
import torch
from conftest import SAMPLE

def _tensor_decoder(path, n, kw, device, size=None):
    "PyAV's frames handed back as a torch tensor, under the GPU decoder's name: what `nvdec` returns, on the CPU."
    from deepfake_detect.decoders import _read_pyav
    d, i, f, nf, _ = _read_pyav(path, n, kw, device, size)
    return torch.from_numpy(d), i, f, nf, 'nvdec-test'

def test_tensor_frames_give_the_same_answers(quick_model, tmp_path, monkeypatch):
    from deepfake_detect import decoders
    from deepfake_detect.inference import predict
    vids = tmp_path/'videos'; vids.mkdir()
    for p in sorted((SAMPLE/'test_videos').glob('*.mp4'))[:6]: shutil.copy(p, vids/p.name)
    monkeypatch.setitem(decoders.DECODERS, 'nvdec', _tensor_decoder)   # read in threads of this process: the stand-in is seen there
    a = predict(vids, [quick_model], device='cpu', decoders='nvdec,pyav', frames=8, progress=False)
    b = predict(vids, [quick_model], device='cpu', decoders='pyav', frames=8, progress=False)
    assert (a.decoder == 'nvdec-test').all(), a.decoder.tolist()
    assert (a.status == b.status).all() and (a.faces == b.faces).all()
    # the detector shrinks a tensor with torch (antialiased bilinear), an array with OpenCV (area): nearly the same crops
    np.testing.assert_allclose(a.label, b.label, atol=0.05)

def test_a_gpu_that_is_not_there_is_one_line(cli, quick_model, tmp_path):
    if torch.cuda.is_available(): pytest.skip('this machine has a GPU')
    r = cli('predict', SAMPLE/'test_videos', '--model', quick_model, '--out', tmp_path/'s.csv', '--device', 'cuda:0')
    assert r.returncode == 2 and 'cuda:0' in r.stderr and 'Traceback' not in r.stderr, r.stderr[-1500:]
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr

def test_cpu_machines_decode_on_the_cpu():
    from deepfake_detect.crops import CropOptions
    if torch.cuda.is_available(): pytest.skip('this machine has a GPU')
    o = CropOptions()   # device 'auto'
    assert o.decoder_names() == ('pyav', 'decord') and o.read_kw()['keep_on_gpu'] is False
