import { useMemo } from 'react';
import { qrMatrix, qrRuns } from '../logic/qr';

/** A QR code as inline SVG rectangles (no image, no data: URL), with a quiet zone of four modules. */
export function QrCode({ text, label }: { text: string; label: string }) {
  const matrix = useMemo(() => qrMatrix(text), [text]);
  const runs = useMemo(() => qrRuns(matrix), [matrix]);
  const size = matrix.length + 8;
  return (
    <svg className="qr" viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shapeRendering="crispEdges">
      <rect x={0} y={0} width={size} height={size} className="qr-light" />
      {runs.map((run) => (
        <rect key={`${run.x}-${run.y}`} x={run.x + 4} y={run.y + 4} width={run.width} height={1} className="qr-dark" />
      ))}
    </svg>
  );
}
