// One WebJobs function per orchestrator and activity of the Node app, emitted at start-up from
// the app's registrations (as the Functions host emits its script functions). Each is the shape
// the extension treats as an out-of-process worker's:
//   [FunctionName("<name>")] static Task<object> F([OrchestrationTrigger] string context)
//     -> the JSON context a Node worker receives (OrchestrationContextToString), and its result,
//        a JObject as the Functions host makes of a worker's JSON, goes through the extension's
//        OutOfProcOrchestrationShim;
//   [FunctionName("<name>")] static Task<object> F([ActivityTrigger] IDurableActivityContext context)
//     -> the activity's input as JSON, and its JSON output.
using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using System.Threading.Tasks;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;

namespace DurableFlow.ExtensionHost
{
    internal static class Functions
    {
        public static Type Emit(IEnumerable<FunctionSpec> specs)
        {
            var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("DurableFlow.AppFunctions"), AssemblyBuilderAccess.Run);
            var module = assembly.DefineDynamicModule("DurableFlow.AppFunctions");
            var type = module.DefineType("DurableFlow.AppFunctions.Functions", TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.Class);
            var functionName = typeof(FunctionNameAttribute).GetConstructor(new[] { typeof(string) });
            int n = 0;
            foreach (FunctionSpec spec in specs)
            {
                bool orchestrator = spec.Trigger == "orchestrationTrigger";
                if (!orchestrator && spec.Trigger != "activityTrigger") continue;
                MethodInfo target = orchestrator ? typeof(Bridge).GetMethod(nameof(Bridge.Orchestrate)) : typeof(Bridge).GetMethod(nameof(Bridge.RunActivity));
                Type parameter = orchestrator ? typeof(string) : typeof(IDurableActivityContext);
                Type trigger = orchestrator ? typeof(OrchestrationTriggerAttribute) : typeof(ActivityTriggerAttribute);
                // Method names are generated: a function name is any text the app chose.
                var method = type.DefineMethod($"F{n++}", MethodAttributes.Public | MethodAttributes.Static, target.ReturnType, new[] { parameter });
                method.SetCustomAttribute(new CustomAttributeBuilder(functionName, new object[] { spec.Name }));
                var p = method.DefineParameter(1, ParameterAttributes.None, "context");
                p.SetCustomAttribute(new CustomAttributeBuilder(trigger.GetConstructor(Type.EmptyTypes), Array.Empty<object>()));
                ILGenerator il = method.GetILGenerator();
                il.Emit(OpCodes.Ldstr, spec.Name);
                il.Emit(OpCodes.Ldarg_0);
                il.Emit(OpCodes.Call, target);
                il.Emit(OpCodes.Ret);
            }
            return type.CreateType();
        }
    }

    /// <summary>The types WebJobs indexes for functions: the emitted ones and the client probe.</summary>
    internal sealed class FunctionTypes : ITypeLocator
    {
        private readonly IReadOnlyList<Type> types;

        public FunctionTypes(params Type[] types)
        {
            this.types = types;
        }

        public IReadOnlyList<Type> GetTypes() => types;
    }

    /// <summary>
    /// Reads the durable client binding data exactly as the Functions host hands it to a Node
    /// worker (a `[DurableClient] string` parameter): what `df.getClient(context)` reads.
    /// </summary>
    public static class ClientProbe
    {
        public static string Binding { get; private set; }

        [NoAutomaticTrigger]
        [FunctionName(nameof(DurableFlowClientProbe))]
        public static void DurableFlowClientProbe([DurableClient] string client)
        {
            Binding = client;
        }
    }
}
