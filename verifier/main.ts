/**
 * The single-file verifier page (docs/protocol.md, docs/sdk.md): a reviewer pastes or drops a
 * receipt (JSON or JSON Lines) and a trust file, and the verdict is re-derived here with the
 * same core verifier the app, the CLI and the SDK use. No network: the page's CSP forbids it.
 */
import './verifier.css';
import {
  isJsonLines,
  summaryOf,
  type TrustSet,
  trustKeysFromText,
  ValidationError,
  verifyReceiptLines,
  verifyReceiptText,
} from '../src/core/index.ts';
import { renderError, renderLines, renderOne } from './render.ts';

/** A JSON Lines export of many receipts; each line is still held to the one-receipt limit. */
const MAX_INPUT_BYTES = 64 * 1024 * 1024;

const byId = <T extends HTMLElement>(id: string): T => {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page is missing #${id}`);
  return node as T;
};

const receiptBox = byId<HTMLTextAreaElement>('receipt');
const trustBox = byId<HTMLTextAreaElement>('trust');
const result = byId<HTMLDivElement>('result');
/** The name of the file the receipt text came from (JSON Lines is recognised by .jsonl too). */
let receiptName = '';

function readTrust(): TrustSet | string {
  if (trustBox.value.trim() === '')
    return 'Give the approver keys you trust first (a trust file or keys, one per line).';
  try {
    const keys = trustKeysFromText(trustBox.value, 'trusted keys');
    return keys.operatorKeys.length > 0 ? keys : { approverKeys: keys.approverKeys };
  } catch (error) {
    if (error instanceof ValidationError) return `The trusted keys are not usable: ${error.message}`;
    throw error;
  }
}

/** The verdict for what is in the two boxes, or what is missing. */
function verdictView(): HTMLElement {
  const trust = readTrust();
  if (typeof trust === 'string') return renderError(trust);
  const input = receiptBox.value;
  if (input.trim() === '') return renderError('Paste a receipt, or drop or choose a receipt file, first.');
  if (isJsonLines(receiptName, input)) {
    const reports = verifyReceiptLines(input, trust);
    return renderLines(reports, summaryOf(reports));
  }
  const { receipt, result: verdict } = verifyReceiptText(input, 'receipt', trust);
  return renderOne(receipt, verdict);
}

function verify(): void {
  result.replaceChildren(verdictView());
}

async function load(file: File | undefined, into: HTMLTextAreaElement): Promise<void> {
  if (!file) return;
  if (file.size > MAX_INPUT_BYTES) {
    result.replaceChildren(renderError(`${file.name} is larger than ${MAX_INPUT_BYTES} bytes.`));
    return;
  }
  into.value = await file.text();
  if (into === receiptBox) receiptName = file.name;
  if (receiptBox.value.trim() !== '' && trustBox.value.trim() !== '') verify();
}

function wireFile(inputId: string, into: HTMLTextAreaElement): void {
  const input = byId<HTMLInputElement>(inputId);
  input.addEventListener('change', () => void load(input.files?.[0], into));
}

function wireDrop(zone: HTMLElement, into: HTMLTextAreaElement): void {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    void load(event.dataTransfer?.files[0], into);
  });
}

receiptBox.addEventListener('input', () => {
  receiptName = ''; // typed or pasted text: JSON Lines is recognised by its shape
});
wireFile('receipt-file', receiptBox);
wireFile('trust-file', trustBox);
for (const zone of document.querySelectorAll<HTMLElement>('[data-drop]')) {
  wireDrop(zone, zone.dataset.drop === 'trust' ? trustBox : receiptBox);
}
byId<HTMLButtonElement>('verify').addEventListener('click', verify);
