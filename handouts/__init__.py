"""handouts: prescription in, personalized patient-handout PDF out.

The command line (generate.py) and the layouts (layouts/) sit at the top of a
checkout, beside this package. An installed copy carries them inside it
(pyproject's package-dir: handouts/_cli/generate.py, handouts/layouts/), so no
generic top-level name reaches site-packages. Either way they are imported as
``handouts.generate`` and ``handouts.layouts``: one folder added to this
package's search path makes both places look the same.
"""

import os as _os

_here = _os.path.dirname(__file__)
_installed = _os.path.join(_here, "_cli")
__path__.append(_installed if _os.path.isdir(_installed) else _os.path.dirname(_here))
