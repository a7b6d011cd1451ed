#!/usr/bin/python3
"""Exports torchaudio's speech models, scripted as their users script them, at small sizes with
placeholder weights, into torchscript_models/torch2/test/audio/ (tests/test_corpus.cpp counts them):

    tools/in-debian13.sh apt-get install -y python3-torchaudio
    tools/in-debian13.sh python3 tools/export_torchaudio.py

Each model keeps its real architecture (torchaudio's own classes); only widths and depths are
small, so every op the full-size model runs is run here. Debian 12's torchaudio 0.13 writes the same
files for LibTorch 1.13 (`/usr/bin/python3 tools/export_torchaudio.py --out DIR`), WavLM excepted (it
came in torchaudio 2.0).
"""
import argparse
import os
import sys

import torch
import torchaudio
from torchaudio import models, transforms

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from placeholder import example_inputs, save_scripted, save_traced, use_placeholder_weights  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torchscript_models", "torch2", "test", "audio")

# A 3-layer feature extractor (320x downsampling in the real one, 20x here): 1,600 samples -> 79 frames.
EXTRACTOR = [(32, 10, 5), (32, 3, 2), (32, 2, 2)]


def wav2vec2_encoder(extractor_mode, layer_norm_first, **extra):
    common = dict(extractor_mode=extractor_mode, extractor_conv_layer_config=EXTRACTOR, extractor_conv_bias=False,
                  encoder_embed_dim=32, encoder_projection_dropout=0.0, encoder_pos_conv_kernel=16,
                  encoder_pos_conv_groups=4, encoder_num_layers=2, encoder_num_heads=4, encoder_attention_dropout=0.0,
                  encoder_ff_interm_features=64, encoder_ff_interm_dropout=0.0, encoder_dropout=0.0,
                  encoder_layer_norm_first=layer_norm_first, encoder_layer_drop=0.0, aux_num_out=10)
    common.update(extra)
    return common


def wavlm():
    return models.wavlm_model(**wav2vec2_encoder("layer_norm", True, encoder_num_buckets=32, encoder_max_distance=64))


# name -> (builder, manifest inputs, needs torchaudio 2.x)
MODELS = {
    # wav2vec 2.0 / HuBERT base: group-norm extractor, post-norm transformer, CTC head.
    "wav2vec2": (lambda: models.wav2vec2_model(**wav2vec2_encoder("group_norm", False)), ["1x1600:float32"], False),
    # HuBERT / wav2vec 2.0 large: layer-norm extractor, pre-norm transformer.
    "hubert_large_style": (lambda: models.wav2vec2_model(**wav2vec2_encoder("layer_norm", True)), ["1x1600:float32"], False),
    # WavLM: gated relative position bias in every attention.
    "wavlm": (wavlm, ["1x1600:float32"], True),
    "wav2letter": (lambda: models.Wav2Letter(num_classes=10, input_type="mfcc", num_features=13), ["1x13x50:float32"], False),
    "conv_tasnet": (lambda: models.ConvTasNet(num_sources=2, enc_kernel_size=16, enc_num_feats=32, msk_kernel_size=3,
                                              msk_num_feats=16, msk_num_hidden_feats=32, msk_num_layers=2,
                                              msk_num_stacks=2), ["1x1x800:float32"], False),
    # WaveRNN: waveform [B, 1, (n_time - kernel_size + 1) * hop_length], spectrogram [B, 1, n_freq, n_time].
    "wavernn": (lambda: models.WaveRNN(upsample_scales=[4, 4], n_classes=16, hop_length=16, n_res_block=2, n_rnn=32,
                                       n_fc=32, kernel_size=5, n_freq=8, n_hidden=16, n_output=16),
                ["1x1x96:float32", "1x1x8x10:float32"], False),
    # Conformer and Emformer take the frames and each sequence's length.
    "conformer": (lambda: models.Conformer(input_dim=16, num_heads=4, ffn_dim=32, num_layers=2,
                                           depthwise_conv_kernel_size=5),
                  ["1x10x16:float32", "1:int64:randint:10:11"], False),
    "emformer": (lambda: models.Emformer(input_dim=16, num_heads=4, ffn_dim=32, num_layers=2, segment_length=4,
                                         right_context_length=1),
                 ["1x9x16:float32", "1:int64:randint:8:9"], False),
    # DeepSpeech does not script (hardtanh given ints): its users trace it (below).
    "deepspeech": (lambda: models.DeepSpeech(n_feature=16, n_hidden=32, n_class=10), ["1x1x20x16:float32"], False),
    # The usual front end of a speech model: a short-time Fourier transform and a mel filter bank.
    "mel_spectrogram": (lambda: transforms.MelSpectrogram(sample_rate=16000, n_fft=64, hop_length=16, n_mels=8),
                        ["1x1600:float32"], False),
}
TRACED = {"deepspeech"}
TORCHAUDIO2 = int(torchaudio.__version__.split(".")[0]) >= 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--only", nargs="*", default=[n for n, m in MODELS.items() if TORCHAUDIO2 or not m[2]])
    args = parser.parse_args()
    for name in args.only:
        torch.manual_seed(0)
        build, inputs, _ = MODELS[name]
        manifest = {"inputs": inputs,
                    "expected": {"scripted_by_torch": torch.__version__.split("+")[0],
                                 "torchaudio": torchaudio.__version__.split("+")[0]}}
        path = os.path.join(args.out, name + ".pt")
        if name in TRACED:
            save_traced(use_placeholder_weights(build()), example_inputs(inputs), path, manifest)
        else:
            save_scripted(use_placeholder_weights(build()), path, manifest)
        print("exported", name)


if __name__ == "__main__":
    main()
