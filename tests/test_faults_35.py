"Faults, round two (issue 35): each recipe as a user runs it, through the command; each test here failed on the code before its fix."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pandas as pd
import pytest
from conftest import ROOT, SAMPLE
from bench.common import make_thin, make_damaged_start
from deepfake_detect.core import read_submission, validate_submission

EXE = Path(sys.executable).parent/'deepfake-detect'
TEST = SAMPLE/'test_videos'

def _videos(d, n=2, extra=()):
    "Folder `d` with `n` of the sample's test videos and the files `extra` makes: {name: maker(path)}."
    d.mkdir(parents=True, exist_ok=True)
    for p in sorted(TEST.glob('*.mp4'))[:n]: shutil.copy(p, d/p.name)
    for name, make in dict(extra).items(): make(d/name)
    return d

def _one_line(r):
    "The command failed as a user's mistake should: exit 2, one line, no traceback."
    assert r.returncode == 2 and 'Traceback' not in r.stderr and len(r.stderr.strip().splitlines()) == 1, (r.returncode, r.stderr[-2000:])

def _statuses(csv, key): return pd.read_csv(csv).set_index(key).status.to_dict()

def _can_unshare():
    try: return subprocess.run(['unshare', '-m', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /dev/shm'], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired): return False

@pytest.mark.skipif(not _can_unshare(), reason='needs unshare -m and mount (root) to give the run a small /dev/shm')
def test_a_small_dev_shm_does_not_stop_a_run(tmp_path, offline_env):
    "Item 1: 16 MB of /dev/shm (Docker gives 64): frames come through the pipe with one warning, every video is done, no block is left."
    d = _videos(tmp_path/'v', 3)
    script = f"mount -t tmpfs -o size=16m tmpfs /dev/shm && '{EXE}' extract '{d}' '{tmp_path/'c'}' --frames 32; echo rc=$?; ls -A /dev/shm | wc -l"
    r = subprocess.run(['unshare', '-m', 'sh', '-c', script], capture_output=True, text=True, env=offline_env, cwd=ROOT, timeout=600)
    assert 'rc=0' in r.stdout and r.stdout.strip().endswith('0'), (r.stdout[-1000:], r.stderr[-2000:])   # exit 0, nothing in /dev/shm
    assert set(_statuses(tmp_path/'c'/'status.csv', 'video').values()) == {'ok'}
    assert r.stderr.count('is too small for the decoded frames') == 1, r.stderr[-2000:]

def test_a_thin_video_does_not_block_the_run(cli, quick_model, tmp_path):
    "Item 2: a 320x12 video beside good ones: it has no face, the others are extracted and predicted."
    d = _videos(tmp_path/'v', 2, {'thin.mp4': make_thin, 'wide.mp4': lambda p: make_thin(p, (1920, 80))})
    cli('extract', d, tmp_path/'c', '--frames', 8, check=True)
    st = _statuses(tmp_path/'c'/'status.csv', 'video')
    assert st.pop('thin.mp4') == 'no_face' and st.pop('wide.mp4') == 'no_face' and set(st.values()) == {'ok'}, st
    cli('predict', d, '--model', quick_model, '--out', tmp_path/'s.csv', '--frames', 8, check=True)
    st = _statuses(tmp_path/'s_videos.csv', 'filename')
    assert st.pop('thin.mp4') == 'no_face' and st.pop('wide.mp4') == 'no_face' and set(st.values()) == {'ok'}, st

def test_damage_in_the_first_packet(cli, quick_model, tmp_path):
    "Item 3: the first packet overwritten (its GOP lost): probing survives it, and the video is read and scored from what decodes."
    d = _videos(tmp_path/'v', 0, {'damaged.mp4': make_damaged_start})
    cli('extract', d, tmp_path/'c', '--frames', 16, check=True)
    st = pd.read_csv(tmp_path/'c'/'status.csv').iloc[0]
    assert st.status == 'ok' and st.faces > 0, st.to_dict()
    cli('predict', d, '--model', quick_model, '--out', tmp_path/'s.csv', '--frames', 8, check=True)
    assert _statuses(tmp_path/'s_videos.csv', 'filename') == {'damaged.mp4': 'ok'}

def test_extract_touches_no_folder_it_did_not_make(cli, tmp_path):
    "Item 4: crops/good/my_notes.txt and index.csv of the user's: refused with one line, nothing changed."
    u = tmp_path/'U'; (u/'crops'/'good').mkdir(parents=True)
    (u/'crops'/'good'/'my_notes.txt').write_text('notes'); (u/'index.csv').write_text('x\n')
    d = tmp_path/'v'; d.mkdir(); shutil.copy(sorted(TEST.glob('*.mp4'))[0], d/'good.mp4')
    _one_line(cli('extract', d, u, '--frames', 4))
    assert (u/'crops'/'good'/'my_notes.txt').read_text() == 'notes' and (u/'index.csv').read_text() == 'x\n'
    assert sorted(p.name for p in u.iterdir()) == ['crops', 'index.csv']

def test_predict_out_never_lands_on_an_input_or_a_folder(cli, quick_model, tmp_path):
    "Items 5, 6: --out onto a video, the sample submission, a labels file or a folder: refused before any work; an earlier submission of its own is replaced."
    d = _videos(tmp_path/'v', 2)
    names = sorted(p.name for p in d.glob('*.mp4'))
    pd.DataFrame(dict(filename=names, label=0.5)).to_csv(d/'sample_submission.csv', index=False)
    (d/'test_labels.csv').write_text('filename,label\n'); (tmp_path/'out_dir').mkdir()
    before = {p.name: p.read_bytes() for p in d.iterdir()}
    for out in (d/names[0], d/'sample_submission.csv', d/'test_labels.csv', tmp_path/'out_dir', quick_model.with_suffix('.json')):
        _one_line(cli('predict', d, '--model', quick_model, '--out', out, '--frames', 4))
    assert {p.name: p.read_bytes() for p in d.iterdir()} == before and not any((tmp_path/'out_dir').iterdir())
    for _ in range(2): cli('predict', d, '--model', quick_model, '--out', tmp_path/'s.csv', '--frames', 4, check=True)
    validate_submission(read_submission(tmp_path/'s.csv'), names)

def test_the_cache_keeps_no_verdict_of_this_setup(cli, quick_model, tmp_path):
    "Item 7: --decoders nvdec on a CPU machine makes every video unreadable; the same cache without it reads them."
    d = _videos(tmp_path/'v', 2)
    cli('predict', d, '--model', quick_model, '--out', tmp_path/'a.csv', '--frames', 4, '--cache', tmp_path/'C', '--decoders', 'nvdec', check=True)
    assert set(_statuses(tmp_path/'a_videos.csv', 'filename').values()) == {'unreadable'}
    cli('predict', d, '--model', quick_model, '--out', tmp_path/'b.csv', '--frames', 4, '--cache', tmp_path/'C', check=True)
    assert set(_statuses(tmp_path/'b_videos.csv', 'filename').values()) == {'ok'}

def test_long_names(cli, quick_model, tmp_path):
    "Item 9: a 245-character name with --cache (twice), and a 255-character name through extract."
    d = tmp_path/'v'; d.mkdir()
    src = sorted(TEST.glob('*.mp4'))[0]
    long, longest = 'a' * 241 + '.mp4', 'b' * 251 + '.mp4'
    shutil.copy(src, d/long); shutil.copy(src, d/longest)
    for out in ('s1.csv', 's2.csv'):
        cli('predict', d, '--model', quick_model, '--out', tmp_path/out, '--frames', 4, '--cache', tmp_path/'C', check=True)
        assert set(_statuses(tmp_path/out.replace('.csv', '_videos.csv'), 'filename').values()) == {'ok'}
    cli('extract', d, tmp_path/'c', '--frames', 4, check=True)
    assert set(_statuses(tmp_path/'c'/'status.csv', 'video').values()) == {'ok'}
    assert 'this run: 0 videos' in cli('extract', d, tmp_path/'c', '--frames', 4, check=True).stdout

def test_a_ray_address_without_a_port(cli, tmp_path):
    "Item 15: --ray-address ray://headnode is one line and exit 2, not a traceback."
    d = _videos(tmp_path/'v', 1)
    _one_line(cli('extract', d, tmp_path/'c', '--engine', 'ray', '--ray-address', 'ray://headnode'))
    assert not (tmp_path/'c').exists()

def test_a_name_with_no_ascii_letter(cli, tmp_path):
    "Item 17: a metadata key `видео` (no extension) is indexed like any other, and a rerun does not read it again."
    d = tmp_path/'part'; d.mkdir()
    src = sorted((SAMPLE/'train_sample_videos').glob('*.mp4'))[0]
    shutil.copy(src, d/'видео'); shutil.copy(src, d/'b.mp4')
    (d/'metadata.json').write_text(json.dumps({'видео': {'label': 'REAL'}, 'b.mp4': {'label': 'REAL'}}, ensure_ascii=False))
    cli('extract', d, tmp_path/'c', '--frames', 4, check=True)
    assert _statuses(tmp_path/'c'/'status.csv', 'video') == {'b.mp4': 'ok', 'видео': 'ok'}
    assert 'this run: 0 videos' in cli('extract', d, tmp_path/'c', '--frames', 4, check=True).stdout
