using MudBlazor;

namespace GmTools.Console.Components.Layout;

public static class ConsoleTheme
{
    // Chinese names must render: the Noto CJK fonts come from the system (fonts-noto-cjk), never a CDN.
    private static readonly string[] Fonts = ["Roboto", "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", "PingFang SC", "sans-serif"];

    public static readonly MudTheme Theme = new()
    {
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Fonts },
        },
    };
}
