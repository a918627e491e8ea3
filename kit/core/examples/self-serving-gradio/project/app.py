import gradio as gr


def greet(name: str) -> str:
    return f"Hello {name}"


demo = gr.Interface(
    fn=greet,
    inputs="text",
    outputs="text",
    title="shape: gradio",
    examples=[["kit"]],
    cache_examples=True,  # at launch: in .gradio/ unless told
)
demo.launch()
