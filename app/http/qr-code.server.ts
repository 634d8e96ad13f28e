import QRCode from "qrcode";

/** A QR code as an SVG data URI, drawn on the server so the page needs no JavaScript to show it. */
export async function qrCodeDataUri(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: "svg", margin: 2, errorCorrectionLevel: "M" });
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}
