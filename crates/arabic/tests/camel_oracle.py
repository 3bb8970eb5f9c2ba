# The oracle side of camel_oracle.rs: CAMeL Tools' own diacritic removal and alef,
# alef maqsura and taa marbuta normalisation, one name per line in, one out.
import sys

from camel_tools.utils.dediac import dediac_ar
from camel_tools.utils.normalize import normalize_alef_ar, normalize_alef_maksura_ar, normalize_teh_marbuta_ar

sys.stdin.reconfigure(encoding="utf-8")
sys.stdout.reconfigure(encoding="utf-8")
for line in sys.stdin:
    text = line.rstrip("\n")
    print(normalize_teh_marbuta_ar(normalize_alef_maksura_ar(normalize_alef_ar(dediac_ar(text)))))
