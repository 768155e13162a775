"""Blocks set side by side: balanced columns, and a heading held to its first block.

Balancing columns means trying column heights until the text fills the
columns evenly. reportlab's BalancedColumns re-measures every block and
deep-copies the block it splits at each try, which made it the largest cost
of a render. Here a block is measured once per column width (the blocks
remember their sizes), only the block a try splits is copied, and the
height is found by bisection. The columns draw themselves in place, first
column first (the reading order), and continue on the next page by the
ordinary split, so the page template is never changed.
"""

from __future__ import annotations

import copy

from reportlab.platypus import Flowable, Table

_FUZZ = 1e-6
_TOLERANCE = 0.5      # pt: how close the balanced height comes to the least that fits
_UNBOUNDED = 0xFFFFFFF


class Together(Flowable):
    """A few small flowables (a heading and its first line) that always stand together, at their own height.

    reportlab's KeepTogether claims all the space offered, which balanced columns cannot measure.
    """

    role = None

    def __init__(self, parts: list):
        super().__init__()
        self.parts = parts
        self._width_at = None

    def wrap(self, avail_width, avail_height):
        if self._width_at != avail_width:
            self.sizes = [part.wrapOn(self.canv, avail_width, _UNBOUNDED) for part in self.parts]
            gaps = sum(p.getSpaceBefore() for p in self.parts[1:]) + sum(p.getSpaceAfter() for p in self.parts[:-1])
            self.width = avail_width
            self.height = sum(h for _, h in self.sizes) + gaps
            self._width_at = avail_width
        return self.width, self.height

    def getSpaceBefore(self):
        return self.parts[0].getSpaceBefore()

    def draw(self):
        y = self.height
        for i, (part, (_, h)) in enumerate(zip(self.parts, self.sizes, strict=True)):
            if i:
                y -= part.getSpaceBefore() + self.parts[i - 1].getSpaceAfter()
            y -= h
            part.drawOn(self.canv, 0, y)


class Columns(Flowable):
    """Blocks in ``count`` columns of even height; what does not fit the page continues on the next.

    ``needed`` is the least height worth starting the columns in at the foot
    of a page. ``laid`` (used by ``split``) gives columns already filled.
    """

    role = None

    def __init__(self, blocks: list, count: int = 2, gap: float = 12, needed: float = 72,
                 laid: list[list] | None = None):
        super().__init__()
        self.blocks, self.count, self.gap, self.needed = list(blocks), count, gap, needed
        self.laid = laid
        self._balanced: dict[float, tuple[list[list], float]] = {}

    def _column_width(self, avail_width: float) -> float:
        return (avail_width - self.gap * (self.count - 1)) / self.count

    def wrap(self, avail_width, avail_height):
        width = self._column_width(avail_width)
        if self.laid is not None:
            self.columns = self.laid
            self.height = max(self._fill(column, width, _UNBOUNDED)[2] for column in self.laid)
        else:
            self.columns, self.height = self._balance(width)
        self.width = avail_width
        return self.width, self.height

    def split(self, avail_width, avail_height):
        if self.laid is not None or avail_height < self.needed:
            return []
        columns, rest = self._lay(self.blocks, self._column_width(avail_width), avail_height)
        if not any(columns):
            return []
        first = Columns([], self.count, self.gap, self.needed, laid=columns)
        return [first, Columns(rest, self.count, self.gap, self.needed)] if rest else [first]

    def draw(self):
        width = self._column_width(self.width)
        for i, column in enumerate(self.columns):
            x, y, after, top = i * (width + self.gap), self.height, 0.0, True
            for block in column:
                w, h = block.wrapOn(self.canv, width, _UNBOUNDED)
                if h <= _FUZZ and w <= _FUZZ:
                    continue
                if not top:
                    y -= max(block.getSpaceBefore() - after, 0)
                y -= h
                block.drawOn(self.canv, x, y, _sW=width - w)
                after, top = block.getSpaceAfter(), False
                y -= after

    def _balance(self, width: float) -> tuple[list[list], float]:
        """The columns at the least height that holds every block, and that height.

        From an even share, the height grows by what is left over until all
        fits; then bisection narrows it down to ``_TOLERANCE``.
        """
        known = self._balanced.get(width)
        if known is None:
            high = self._fill(self.blocks, width, _UNBOUNDED)[2]       # one column holds everything
            low = high / self.count - max((b.getSpaceBefore() for b in self.blocks), default=0) - 1
            laid, guess = None, high / self.count
            while guess < high:
                columns, rest = self._lay(self.blocks, width, guess)
                if not rest:
                    laid, high = columns, guess
                    break
                low, guess = guess, guess + max(self._fill(rest, width, _UNBOUNDED)[2] / self.count, _TOLERANCE)
            while high - low > _TOLERANCE:
                middle = (low + high) / 2
                columns, rest = self._lay(self.blocks, width, middle)
                if rest:
                    low = middle
                else:
                    laid, high = columns, middle
            if laid is None:
                laid = self._lay(self.blocks, width, high)[0]
            known = laid, max(self._fill(column, width, _UNBOUNDED)[2] for column in laid)
            self._balanced[width] = known
        return known

    def _lay(self, blocks: list, width: float, height: float) -> tuple[list[list], list]:
        """Fill the columns one after another to ``height``; returns them and the blocks left over."""
        columns = []
        for _ in range(self.count):
            column, blocks, _ = self._fill(blocks, width, height)
            columns.append(column)
        return columns, blocks

    def _fill(self, blocks: list, width: float, height: float) -> tuple[list, list, float]:
        """One column: the blocks that fit in ``height`` (splitting the one at its foot), the rest, the height used.

        Space before a block is dropped at the top of a column and overlaps the
        space after the block above it, as in a frame.
        """
        used, after, top = 0.0, 0.0, True
        for i, block in enumerate(blocks):
            w, h = block.wrapOn(self.canv, width, _UNBOUNDED)
            if h <= _FUZZ or w <= _FUZZ:
                continue
            space = 0.0 if top else max(block.getSpaceBefore() - after, 0)
            if used + space >= height:
                return blocks[:i], blocks[i:], used
            if used + space + h > height:
                parts = self._split(block, width, height - used - space)
                if not parts:
                    return blocks[:i], blocks[i:], used
                _, first = parts[0].wrapOn(self.canv, width, _UNBOUNDED)
                return blocks[:i] + parts[:1], parts[1:] + blocks[i + 1:], used + space + first
            used += space + h
            after, top = block.getSpaceAfter(), False
        return blocks, [], used

    def _split(self, block: Flowable, width: float, height: float) -> list:
        """``block`` split to ``height``, leaving the block itself as it was (a try may not be kept)."""
        if type(block).split is Flowable.split:
            return []
        # A table's split only rebinds its own attributes; other blocks get their own (cheap) deep copy.
        trial = copy.copy(block) if isinstance(block, Table) else copy.deepcopy(block)
        return trial.splitOn(self.canv, width, height)
