import { useMemo } from 'react';
import { encodeCode128, isCode128Encodable } from '../../shared/barcode/code128';
import { formatCardNumber } from '../../shared/members/card-number';

/** Light margin each side that a scanner needs to find the first and last bar (ISO/IEC 15417: ≥ 10X). */
const QUIET_ZONE_MODULES = 10;
/** Bar height in modules: tall enough to scan with a hand-held scanner held at an angle. */
const BAR_HEIGHT_MODULES = 50;
/** Intrinsic size of one module in CSS pixels; CSS may shrink the SVG (it scales through its viewBox). */
const MODULE_PX = 2;

interface Bar {
  x: number;
  width: number;
}

function barsOf(value: string): { bars: Bar[]; totalModules: number } | null {
  if (!isCode128Encodable(value)) return null;
  const bars: Bar[] = [];
  let x = QUIET_ZONE_MODULES;
  encodeCode128(value).forEach((width, i) => {
    if (i % 2 === 0) bars.push({ x, width });
    x += width;
  });
  return { bars, totalModules: x + QUIET_ZONE_MODULES };
}

/**
 * A loyalty card as a Code 128 barcode that a USB scanner at another till can read off the screen,
 * with the grouped digits below it. Black bars on a white field whatever the theme, so the contrast
 * a scanner needs does not depend on the app's colours.
 */
export function CardBarcode({ value, label }: { value: string; label: string }) {
  const symbol = useMemo(() => barsOf(value), [value]);
  return (
    <div className="card-barcode" data-testid="card-barcode">
      {symbol && (
        <svg
          className="card-barcode-svg"
          role="img"
          aria-label={label}
          viewBox={`0 0 ${symbol.totalModules} ${BAR_HEIGHT_MODULES}`}
          width={symbol.totalModules * MODULE_PX}
          height={BAR_HEIGHT_MODULES * MODULE_PX}
          shapeRendering="crispEdges"
          preserveAspectRatio="xMidYMid meet"
        >
          <rect x={0} y={0} width={symbol.totalModules} height={BAR_HEIGHT_MODULES} fill="#fff" />
          {symbol.bars.map((bar) => (
            <rect key={bar.x} x={bar.x} y={0} width={bar.width} height={BAR_HEIGHT_MODULES} fill="#000" />
          ))}
        </svg>
      )}
      <p className="card-barcode-digits">{formatCardNumber(value)}</p>
    </div>
  );
}
