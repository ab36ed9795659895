namespace GmTools.Console.Localization;

/// <summary>Marker for the console's UI text: Resources/Localization.Texts.resx (English) and .zh-CN.resx.</summary>
public sealed class Texts;
