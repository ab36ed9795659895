using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace GmTools.Console.Tests.Browser;

/// <summary>
/// Debian's headless Chromium driven through Debian's chromedriver (no browser or driver download), one fresh
/// profile per browser. Every wait is on an element or a text, never on a fixed time.
/// </summary>
public sealed class Browser : IDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly string _profile = Directory.CreateTempSubdirectory("gmtools-chromium-").FullName;
    private readonly Uri _baseAddress;

    public Browser(Uri baseAddress, string language = "zh-CN")
    {
        _baseAddress = baseAddress;
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments(
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--disable-dev-shm-usage", "--window-size=1440,1000", $"--user-data-dir={_profile}", $"--lang={language}");
        options.AddUserProfilePreference("intl.accept_languages", language);
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    public const string ChromiumPath = "/usr/bin/chromium";
    public const string ChromeDriverPath = "/usr/bin/chromedriver";

    public ChromeDriver Driver { get; }

    public void Open(string path) => Driver.Navigate().GoToUrl(new Uri(_baseAddress, path));

    public IWebElement Find(string testId) => Wait(d => Visible(d, $"[data-testid='{testId}']"), $"element {testId}");

    /// <summary>The input inside a Mud field carrying the test id (or the input itself).</summary>
    public IWebElement Input(string testId) => Wait(d =>
        Visible(d, $"input[data-testid='{testId}'], textarea[data-testid='{testId}'], [data-testid='{testId}'] input:not([type=hidden]), [data-testid='{testId}'] textarea"), $"input {testId}");

    public void Click(string testId)
    {
        WaitInteractive();
        Retry(() => Find(testId).Click());
    }

    public void Type(string testId, string text)
    {
        WaitInteractive();
        Retry(() =>
        {
            var input = Input(testId);
            input.Clear();
            input.SendKeys(text);
        });
    }

    /// <summary>Mud check boxes and radios keep their input invisible under the drawn box: click it from script.</summary>
    public void Tick(string testId)
    {
        WaitInteractive();
        var input = Wait(d => d.FindElements(By.CssSelector($"input[data-testid='{testId}']")).FirstOrDefault(), $"input {testId}");
        Driver.ExecuteScript("arguments[0].click();", input);
    }

    /// <summary>
    /// A page is prerendered: its text is on screen before the circuit is connected, and a click or a keystroke
    /// in that moment is lost (the button has no handler yet; the circuit's first render replaces the input).
    /// Waiting for text alone was the English-switch test's flake on a busy box. Pages without a circuit
    /// (sign-in) carry no marker.
    /// </summary>
    public void WaitInteractive() =>
        WaitUntil(() => Driver.FindElements(By.CssSelector("[data-testid='circuit'][data-interactive='false']")).Count == 0, "the page to become interactive");

    public bool Exists(string testId) => Driver.FindElements(By.CssSelector($"[data-testid='{testId}']")).Count > 0;

    public void WaitUntil(Func<bool> condition, string what) => Wait<object>(_ => condition() ? true : null, what);

    public void WaitForText(string testId, string text) =>
        Wait(d => Visible(d, $"[data-testid='{testId}']") is { } e && e.Text.Contains(text, StringComparison.Ordinal) ? e : null, $"'{text}' in {testId}");

    public IReadOnlyList<IWebElement> All(string testId) => Driver.FindElements(By.CssSelector($"[data-testid='{testId}']"));

    public string BodyText => Driver.FindElement(By.TagName("body")).Text;

    public void SignIn(string user)
    {
        Open("/signin");
        Click($"signin-{user}");
        WaitForText("signed-in-as", user);
    }

    public void SignOut()
    {
        Click("signout");
        Find($"signin-gus.gm");
    }

    public string Screenshot(string name)
    {
        var dir = ScreenshotDirectory;
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".png");
        // The whole page, not just the viewport: grow the window to the document's height first.
        var height = Convert.ToInt32(Driver.ExecuteScript("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight);"), System.Globalization.CultureInfo.InvariantCulture);
        var size = Driver.Manage().Window.Size;
        Driver.Manage().Window.Size = new System.Drawing.Size(size.Width, Math.Clamp(height + 40, size.Height, 6000));
        Driver.GetScreenshot().SaveAsFile(path);
        Driver.Manage().Window.Size = size;
        return path;
    }

    /// <summary>Git-ignored; deploy/test.sh prints where it is.</summary>
    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable("GMTOOLS_SCREENSHOTS") is { Length: > 0 } dir ? dir : Path.Combine(RepoRoot(), "artifacts", "screenshots");

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "GmTools.sln")))
            {
                return dir.FullName;
            }
        }
        return AppContext.BaseDirectory;
    }

    private T Wait<T>(Func<IWebDriver, T?> condition, string what)
    {
        var wait = new WebDriverWait(Driver, Patience) { PollingInterval = TimeSpan.FromMilliseconds(100), Message = $"waiting for {what}" };
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        try
        {
            return wait.Until(d => condition(d))!;
        }
        catch (WebDriverTimeoutException ex)
        {
            throw new TimeoutException($"gave up {ex.Message} at {Driver.Url}; page text:\n{SafeBody()}", ex);
        }
    }

    private string SafeBody()
    {
        try
        {
            return BodyText;
        }
        catch (WebDriverException)
        {
            return "(unreadable)";
        }
    }

    /// <summary>Blazor re-renders replace elements under our feet: one retry on a stale element.</summary>
    private static void Retry(Action action)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                action();
                return;
            }
            catch (Exception ex) when (attempt < 3 && ex is StaleElementReferenceException or ElementClickInterceptedException or ElementNotInteractableException)
            {
                // Find() waits again for the re-rendered element.
            }
        }
    }

    private static IWebElement? Visible(IWebDriver d, string css) =>
        d.FindElements(By.CssSelector(css)).FirstOrDefault(e => e.Displayed);

    public void Dispose()
    {
        try
        {
            Driver.Quit();
        }
        finally
        {
            Driver.Dispose();
            try
            {
                Directory.Delete(_profile, recursive: true);
            }
            catch (IOException)
            {
                // Chromium may still hold a lock file for a moment; the temp dir is cleaned by the OS.
            }
        }
    }
}
