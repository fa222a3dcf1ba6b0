using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace JobQueue.Kernel.Execution;

/// <summary>
/// Completion, inspection and the completeness check, from the compiler's semantic model of the code as a cell
/// after the ones run so far (no IDE workspace: names in scope or members of the expression before the dot).
/// </summary>
internal sealed class CodeAssistant(CellRunner cells)
{
    private static readonly CSharpParseOptions ScriptParsing = CSharpParseOptions.Default.WithKind(SourceCodeKind.Script);

    /// <summary>True when <paramref name="code"/> is a whole submission (no open brace, string or statement).</summary>
    public static bool IsComplete(string code) => SyntaxFactory.IsCompleteSubmission(CSharpSyntaxTree.ParseText(code, ScriptParsing));

    /// <summary>Names that complete the word ending at <paramref name="cursor"/>, and where that word starts.</summary>
    public (IReadOnlyList<string> Matches, int Start) Complete(string code, int cursor)
    {
        cursor = Math.Clamp(cursor, 0, code.Length);
        var start = cursor;
        while (start > 0 && (char.IsLetterOrDigit(code[start - 1]) || code[start - 1] == '_'))
        {
            start--;
        }

        var prefix = code[start..cursor];
        var (model, tree) = Analyse(code);
        var position = Math.Min(start, tree.Length);
        var container = start > 0 && code[start - 1] == '.' ? ReceiverType(model, tree, start - 1) : null;
        if (start > 0 && code[start - 1] == '.' && container is null)
        {
            return ([], start);
        }

        var symbols = container is null ? model.LookupSymbols(position) : model.LookupSymbols(position, container, includeReducedExtensionMethods: true);
        var matches = symbols
            .Where(symbol => symbol.CanBeReferencedByName && symbol.Name.StartsWith(prefix, StringComparison.Ordinal))
            .Select(symbol => symbol.Name)
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
        return (matches, start);
    }

    /// <summary>The signature and summary of the symbol at <paramref name="cursor"/>, or null.</summary>
    public string? Inspect(string code, int cursor)
    {
        var (model, tree) = Analyse(code);
        var root = tree.GetRoot();
        var token = root.FindToken(Math.Clamp(cursor > 0 ? cursor - 1 : 0, 0, Math.Max(tree.Length - 1, 0)));
        for (var node = token.Parent; node is not null; node = node.Parent)
        {
            var info = model.GetSymbolInfo(node);
            if ((info.Symbol ?? info.CandidateSymbols.FirstOrDefault()) is { } symbol)
            {
                var documentation = symbol.GetDocumentationCommentXml();
                return string.IsNullOrWhiteSpace(documentation) ? symbol.ToDisplayString() : $"{symbol.ToDisplayString()}\n\n{documentation.Trim()}";
            }

            if (model.GetTypeInfo(node).Type is { TypeKind: not TypeKind.Error } type)
            {
                return type.ToDisplayString();
            }
        }

        return null;
    }

    private (SemanticModel Model, SyntaxTree Tree) Analyse(string code)
    {
        var script = cells.State is null ? CSharpScript.Create(code, cells.Options) : cells.State.Script.ContinueWith(code, cells.Options);
        var compilation = script.GetCompilation();
        var tree = CellRunner.CellTree(compilation);
        return (compilation.GetSemanticModel(tree), tree);
    }

    // The namespace, type or value type before the dot at `dot`, whose members complete after it.
    private static INamespaceOrTypeSymbol? ReceiverType(SemanticModel model, SyntaxTree tree, int dot)
    {
        if (tree.GetRoot().FindToken(dot).Parent is not MemberAccessExpressionSyntax access)
        {
            return null;
        }

        return model.GetSymbolInfo(access.Expression).Symbol as INamespaceOrTypeSymbol ?? model.GetTypeInfo(access.Expression).Type;
    }
}
