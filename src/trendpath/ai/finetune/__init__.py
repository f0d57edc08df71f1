"""QLoRA fine-tuning of the Korean coach model: SFT data, memory plan, training, merge, serving.

Heavy dependencies (torch, transformers, peft, bitsandbytes) are imported by the modules that need
them, never here. See docs/llm.md.
"""
