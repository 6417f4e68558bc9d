"""A screenshot of the docs site's lessons page, for the docs folder: `make screenshot` (needs Chromium).

Builds the site (`mkdocs build`, offline) into build/shot_site, opens 10a_lessons.html in headless Chromium and writes
the top of the page to nbs/images/site_10a_lessons.png, with site_10a_lessons.json beside it recording the SHA-256 of
the notebook it shows: tests/test_docs_agree.py fails when the notebook has changed since (the screenshot is stale).
"""
import hashlib, json, os, shutil, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE, NB = '10a_lessons.html', ROOT/'nbs'/'10a_lessons.ipynb'
PNG, RECORD = ROOT/'nbs'/'images'/'site_10a_lessons.png', ROOT/'nbs'/'images'/'site_10a_lessons.json'

def notebook_sha(nb=NB) -> str: return hashlib.sha256(Path(nb).read_bytes()).hexdigest()

def main():
    exe = next((shutil.which(n) for n in ('chromium', 'chromium-browser', 'google-chrome') if shutil.which(n)), None)
    if exe is None: sys.exit("screenshot: Chromium is not installed (Debian: apt-get install chromium)")
    site = ROOT/'build'/'shot_site'
    subprocess.run([str(Path(sys.executable).parent/'mkdocs'), 'build', '-q', '-d', str(site)], cwd=ROOT, check=True,
                   env=dict(os.environ, NO_MKDOCS_2_WARNING='1'))
    with tempfile.TemporaryDirectory() as profile:
        tmp = PNG.with_suffix('.tmp.png')
        subprocess.run([exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--hide-scrollbars',
                        f'--user-data-dir={profile}', '--window-size=1280,1800', '--virtual-time-budget=10000', f'--screenshot={tmp}',
                        (site/PAGE).as_uri()], check=True, capture_output=True, timeout=180)
        os.replace(tmp, PNG)
    RECORD.write_text(json.dumps(dict(page=PAGE, notebook=NB.name, notebook_sha256=notebook_sha()), indent=1) + '\n')
    print(f"{PNG.relative_to(ROOT)}: {PAGE} as built from {NB.name}")

if __name__ == '__main__': main()
