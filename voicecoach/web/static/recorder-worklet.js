// Copies each 128-frame block of the microphone to the page; the first message carries the
// AudioContext time of the first frame (the take's clock zero, for the cue times).
class Recorder extends AudioWorkletProcessor {
  constructor() { super(); this.started = false; }
  process(inputs) {
    const input = inputs[0];
    if (input && input.length) {
      const copy = input.map((ch) => ch.slice(0));
      this.port.postMessage({ channels: copy, start: this.started ? null : currentTime }, copy.map((c) => c.buffer));
      this.started = true;
    }
    return true;
  }
}
registerProcessor("recorder", Recorder);
